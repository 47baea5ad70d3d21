"""The message bus: stream and consumer provisioning, consumers on FastStream, dead letters."""
