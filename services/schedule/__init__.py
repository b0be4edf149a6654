"""The schedule service: the hospital's directory and the source of every slot."""
