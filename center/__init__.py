"""The embedded issuance center (証明書交付センター): challenges, certificate authentication, issuance."""
