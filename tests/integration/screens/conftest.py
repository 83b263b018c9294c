from tests.integration.city.conftest import registry  # noqa: F401  (the loaded methodologies)
