"""What runs the actions rather than what they say: the action server (server), what every action is given
(deps) and how a failed action apologises to the resident (errors)."""
