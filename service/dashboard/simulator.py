"""The decision simulator: the answer an OTA server would get, with every reason."""
