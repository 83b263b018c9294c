"""A retirement's certificate as a PDF (reportlab: the established PDF library for Python, with Chinese
through its built-in Adobe CID font, so no font file ships) with a QR code of its public page."""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from service.registry.schemas import RetirementOut

FONT = "STSong-Light"  # Adobe's Simplified Chinese CID font: every PDF reader has it, nothing is embedded
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

QR_SIZE = 120


def certificate_pdf(retirement: RetirementOut, city_name: str) -> bytes:
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"碳减排量注销证明 Retirement certificate No. {retirement.id}")
    pdf.setAuthor(city_name)
    width, height = A4
    pdf.setFont(FONT, 22)
    pdf.drawCentredString(width / 2, height - 90, "碳减排量注销证明")
    pdf.setFont(FONT, 13)
    pdf.drawCentredString(
        width / 2, height - 112, "Certificate of Retirement of Verified Emission Reductions"
    )
    y = height - 170
    for label, value in _lines(retirement, city_name):
        pdf.setFont(FONT, 10)
        pdf.drawString(70, y, label)
        pdf.setFont(FONT, 12)
        pdf.drawString(230, y, value)
        y -= 26
    _qr(pdf, retirement.page_url, width - 70 - QR_SIZE, 70)
    pdf.setFont(FONT, 9)
    pdf.drawString(70, 110, "此证明的真伪以公开登记簿为准：扫描二维码或访问")
    pdf.drawString(70, 96, "The public registry is the authority; scan the code or visit")
    pdf.drawString(70, 82, retirement.page_url)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _lines(retirement: RetirementOut, city_name: str) -> list[tuple[str, str]]:
    return [
        ("证明编号 Certificate No.", str(retirement.id)),
        ("注销量 Quantity", f"{retirement.units} tCO2e"),
        ("序列号 Serials", retirement.first_serial),
        ("", f"— {retirement.last_serial}"),
        ("方法学 Methodology", retirement.methodology_id),
        ("年份 Vintage", str(retirement.vintage)),
        ("批次 Batch", f"B{retirement.batch_id}"),
        ("注销方 Retired by", retirement.holder),
        ("受益方 Beneficiary", retirement.beneficiary),
        ("用途 Purpose", retirement.purpose),
        ("注销时间 Retired at (UTC)", retirement.retired_at.strftime("%Y-%m-%d %H:%M")),
        ("登记簿 Registry", f"{city_name} 碳普惠登记簿 (Tanbi)"),
    ]


def _qr(pdf: Canvas, url: str, x: float, y: float) -> None:
    widget = QrCodeWidget(url)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, x, y)
