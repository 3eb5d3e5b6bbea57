"""Web tests: the schemathesis run reports how many requests it sent in pytest's summary."""

from tests.web.test_api_fuzz import report


def pytest_terminal_summary(terminalreporter, config):
    line = report(config)
    if line:
        terminalreporter.write_line(line)
