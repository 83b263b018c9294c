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

# Methodologies v2 (review of 2026-11; methodologies.md, "Parameter version 2").
CHINA_INVENTORY_GASOLINE = (
    "China's inventory defaults: NCV 43.070 GJ/t (GB/T 2589), 18.9 tC/TJ, oxidation 98 % "
    "(省级温室气体清单编制指南): 2925.06 g CO2/kg x density 0.74 kg/L (an assumption to calibrate), "
    "rounded down"
)
GRID_CONSUMED_2023 = (
    "MEE & NBS 公告2025年第47号 (2025-12-31), 2023 electricity CO2 factors: the higher of Central China "
    "(华中) 0.5271 and national 0.5306 kgCO2/kWh, conservative for electricity an EV consumes"
)
GRID_DISPLACED_2023 = (
    "MEE & NBS 公告2025年第47号 (2025-12-31), 2023 electricity CO2 factors: the lower of the regional "
    "(华中 0.5271 kgCO2/kWh) and provincial factors, conservative for electricity displaced; no Jiangxi "
    "2023 provincial figure was read from the source, so the regional one stands"
)
TANBI_V2 = "Tanbi methodologies v2 (methodologies.md, review of 2026-11), conservative limit"
