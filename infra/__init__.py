"""Infrastructure: the local stack, topic creation, migrations, search indices, Prometheus/Grafana config."""
