from faceitbot.cli import main

main(["run", *__import__("sys").argv[1:]])
