"""Donations of coins to the city's public-welfare projects (公益项目), with a public certificate each."""
