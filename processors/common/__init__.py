"""What every processor shares: the application factory, partition-level state, broadcast keys."""
