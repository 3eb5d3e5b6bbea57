"""The pre-chair screen: pure rules, routine cards, storing outcomes, and its pages. Uses booking,
messaging and the ground."""
