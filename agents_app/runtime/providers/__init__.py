"""Model providers: the offline model, OpenAI-compatible endpoints and Anthropic, behind one interface."""
