"""The disclosure register: every time case information leaves the people who hold it."""
