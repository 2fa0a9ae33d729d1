"""Cases: the domain service over the repository, and the ways staff find them again.

`service` owns a case and its checklist runs; `references` reads and suggests OHCHR
references; `search` and `listing` back `/find` and `/cases`; `standing` keeps standing
invitations, a fact about a State rather than a case."""
