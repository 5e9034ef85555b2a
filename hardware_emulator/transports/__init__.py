"""Transports only move bytes between a line and a sans-IO core: pty pair, pyserial URL, TCP server."""
