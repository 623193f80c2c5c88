"""Customer search: an Elasticsearch index kept current from three topics (docs/processors/search.md)."""
