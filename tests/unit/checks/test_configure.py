import pytest

from siteaudit.checks.catalogue import CatalogueError, CheckConfig, load_catalogue
from siteaudit.model import Severity


def test_configuration_disables_checks_and_changes_severity() -> None:
    catalogue = load_catalogue(plugins=False)
    configured = catalogue.configure(
        CheckConfig(disabled=frozenset({"title"}), severities={}, options={})
    )
    assert "title" not in {c.id for c in configured}
    assert len(configured) == len(catalogue) - 1
    lowered = catalogue.configure(CheckConfig(severities={"title": Severity.LOW}))
    assert lowered.get("title").severity == Severity.LOW


def test_unknown_check_ids_in_configuration_are_errors() -> None:
    with pytest.raises(CatalogueError, match="nonexistent"):
        load_catalogue().configure(CheckConfig(disabled=frozenset({"nonexistent"})))


def test_option_overrides_become_the_checks_defaults() -> None:
    catalogue = load_catalogue()
    with_options = [c for c in catalogue if c.options]
    if not with_options:
        pytest.fail("the catalogue should have at least one configurable check")
    item = with_options[0]
    name = next(iter(item.options))
    configured = catalogue.configure(CheckConfig(options={item.id: {name: 123}}))
    assert configured.get(item.id).context().option(name) == 123
    with pytest.raises(CatalogueError, match="no option"):
        catalogue.configure(CheckConfig(options={item.id: {"bogus": 1}}))
