"""The city's policy benefits (政策指标): offers of the city's own merchant with eligibility rules."""
