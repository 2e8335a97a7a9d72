"""Fork-server and capture code that runs inside the coderl sandbox."""
