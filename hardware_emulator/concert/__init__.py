"""Concert "protocol E+" (Caisse-AP V2) over a serial line: codec, terminal core, cash-register core."""
