"""What can be done with the chatbot, one module per use case: answering a citizen (``chat``), the
knowledge base (``knowledge``), the town's settings (``configure``), the staff inbox (``inbox``), and
deleting expired conversations (``retention``). Views, the API, tasks and commands call these."""
