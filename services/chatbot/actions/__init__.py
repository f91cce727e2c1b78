"""What can be done with the chatbot, one module per use case: answering a citizen (``chat``), the
knowledge base (``knowledge``), the town's settings (``configure``), the staff inbox (``inbox``), and
deleting expired conversations (``retention``), and the learning loop: question variants from citizens, merging similar entries (``learning``). Views, the API, tasks and commands call these."""
