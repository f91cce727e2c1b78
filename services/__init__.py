"""One Django app per AI service (chatbot, feedback, roads), each registering a descriptor."""
