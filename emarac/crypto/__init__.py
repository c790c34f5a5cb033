"""Field encryption (AES-256-GCM), envelope keys, blind indexes and key rotation."""
