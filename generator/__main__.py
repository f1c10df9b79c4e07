from newproj.cli import main

main()
