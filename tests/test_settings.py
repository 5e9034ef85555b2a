from __future__ import annotations

import pytest

from simulators.settings import Settings, SettingsError, load_settings


def test_layers_apply_in_order(tmp_path):
    config = tmp_path / "simphonie.toml"
    config.write_text('[simphonie]\nport = 9000\nseed = 1\nworkers = 3\n')
    settings = load_settings(config_file=config, environ={"SIMPHONIE_PORT": "9100", "SIMPHONIE_SEED": "2"},
                             overrides={"port": 9200, "workers": None})
    assert (settings.port, settings.seed, settings.workers) == (9200, 2, 3)
    assert load_settings(environ={}).port == Settings().port


def test_bad_values_name_the_key_and_the_valid_values(tmp_path):
    with pytest.raises(SettingsError, match=r"setting 'port': bad value 'abc'; expected an integer"):
        load_settings(environ={"SIMPHONIE_PORT": "abc"})
    with pytest.raises(SettingsError, match=r"unknown actor\(s\) \['cashier'\]; valid: annuaire, amc"):
        load_settings(environ={}, overrides={"actors": "amc,cashier"})
    config = tmp_path / "bad.toml"
    config.write_text("prot = 1\n")
    with pytest.raises(SettingsError, match=r"unknown setting 'prot'"):
        load_settings(config_file=config, environ={})
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(config_file=tmp_path / "missing.toml", environ={})
    config.write_text("port = [\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(config_file=config, environ={})


def test_booleans_accept_the_usual_words():
    assert load_settings(environ={"SIMPHONIE_TLS": "yes"}).tls is True
    with pytest.raises(SettingsError, match="expected true/false"):
        load_settings(environ={"SIMPHONIE_TLS": "maybe"})
