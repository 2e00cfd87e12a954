from posdiag.cli import main

main()
