"""Business rules as pure functions over typed signals: health, capacity, KPIs."""
