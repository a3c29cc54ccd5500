"""Platform adapters: each turns its platform into the core's neutral events and port."""
