"""simulators/gap: the reference GAP side (hospital). `client.RocClient` speaks ROC to annuaire and AMC servers."""
