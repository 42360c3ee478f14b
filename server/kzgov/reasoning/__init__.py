"""OWL 2 RL reasoning: the owlrl adapter and its noise filter, the fast rule engine and its rules."""
