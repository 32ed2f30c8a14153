"""Who the tests work as: events are signed and records owned by this name on every machine,
not by the login of whoever runs them (tests/conftest.py sets it for each test)."""

TEST_USER = "tester"
