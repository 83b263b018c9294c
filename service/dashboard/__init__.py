"""The city's dashboard page: a static page that reads the city API with a city user's key."""
