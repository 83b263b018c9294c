"""Citations shared by several methodologies (methodologies.md, "Shared factors")."""

IPCC_GASOLINE = (
    "IPCC 2006 Guidelines vol. 2 ch. 1/3 defaults: 69.3 g CO2/MJ x NCV 44.3 MJ/kg x density 0.74 kg/L"
)
CAR_FUEL_ASSUMPTION = (
    "Tanbi v1 assumption: in-use private gasoline car; the city calibrates from its fleet data"
)
GRID_CENTRAL_CHINA_2023 = (
    "MEE & NBS announcement on 2023 electricity CO2 factors (published Jan 2026): "
    "Central China (华中) regional grid average 0.5271 kgCO2/kWh"
)
SHENZHEN_PUBLIC_TRANSPORT = "深圳市低碳公共出行碳普惠方法学（试行）"
TANBI_V1 = "Tanbi methodologies v1 (docs: methodologies.md), conservative plausibility limit"
