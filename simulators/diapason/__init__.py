"""The DIAPASON provider simulator (docs/diapason.md): blueprint in `service`, contract in openapi.yaml."""
