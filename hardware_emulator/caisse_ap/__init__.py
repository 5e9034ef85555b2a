"""Caisse-AP (Concert V3) TLV messages over TCP: codec, terminal core, a plain socket client."""
