import os
from pathlib import Path

import pytest

from siteaudit.errors import ConfigError
from siteaudit.settings import Settings, load_settings


def test_environment_overrides_nested_crawl_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEAUDIT_CRAWL__MAX_PAGES", "7")
    monkeypatch.setenv("SITEAUDIT_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = load_settings()
    assert settings.crawl.max_pages == 7
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_siteaudit_toml_is_read_below_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "siteaudit.toml"
    config.write_text(
        '[crawl]\nmax_depth = 3\nmax_pages = 9\n[checks]\ndisabled = ["title"]\n'
        "[checks.options.title-length-long]\nmax_chars = 70\n"
    )
    monkeypatch.setenv("SITEAUDIT_CONFIG", str(config))
    monkeypatch.setenv("SITEAUDIT_CRAWL__MAX_PAGES", "4")
    settings = load_settings()
    assert settings.crawl.max_depth == 3
    assert settings.crawl.max_pages == 4
    assert settings.checks.disabled == ["title"]
    assert settings.checks.options == {"title-length-long": {"max_chars": 70}}


def test_an_invalid_value_is_a_readable_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEAUDIT_CRAWL__MAX_PAGES", "0")
    with pytest.raises(ConfigError, match=r"crawl\.max_pages"):
        load_settings()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[crawl\n", "Expected ']' at the end of a table declaration"),
        (b"\xff\xfe[crawl]", "can't decode byte 0xff"),
    ],
)
def test_a_config_file_that_cannot_be_read_is_a_config_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, words: str
) -> None:
    # Both were Python tracebacks from every command.
    config = tmp_path / "siteaudit.toml"
    config.write_bytes(content)
    monkeypatch.setenv("SITEAUDIT_CONFIG", str(config))
    with pytest.raises(ConfigError, match=f"cannot read the configuration file {config}: ") as err:
        load_settings()
    assert words in str(err.value)


def test_headers_from_the_config_file_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "siteaudit.toml"
    monkeypatch.setenv("SITEAUDIT_CONFIG", str(config))
    config.write_text('[crawl.headers]\n"X-Staging-Token" = "s3cret"\n')
    assert load_settings().crawl.headers == {"X-Staging-Token": "s3cret"}
    config.write_text('[crawl.headers]\n"Accept-Encoding" = "identity"\n')
    with pytest.raises(ConfigError, match="the Accept-Encoding header is set by siteaudit"):
        load_settings()
    config.write_text('[crawl.headers]\n"X-Split" = "a\\r\\nInjected: yes"\n')
    with pytest.raises(ConfigError, match="has a line break or NUL"):
        load_settings()


def test_a_ca_bundle_without_certificates_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    monkeypatch.setenv("SITEAUDIT_CRAWL__CA_BUNDLE", str(bundle))
    with pytest.raises(ConfigError, match=r"crawl\.ca_bundle.*cannot read CA certificates"):
        load_settings()


def test_a_config_file_named_in_the_environment_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A typo in SITEAUDIT_CONFIG ran the scan with the defaults without a word.
    missing = tmp_path / "sitaudit.toml"
    monkeypatch.setenv("SITEAUDIT_CONFIG", str(missing))
    with pytest.raises(ConfigError, match=f"the configuration file {missing} named by"):
        load_settings()
    monkeypatch.setenv("SITEAUDIT_CONFIG", os.devnull)  # the way to read none
    assert load_settings().crawl.max_pages == Settings().crawl.max_pages
