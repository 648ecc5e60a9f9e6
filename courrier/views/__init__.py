"""Pages of the paper-mail service (one module per part: lists, the envelope, sending, the
provider's webhook endpoint)."""
