# Platform behaviour is exercised through a real service: inventory.
from tests.inventory.conftest import inventory  # noqa: F401
