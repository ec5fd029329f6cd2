import sys

if "--demo" in sys.argv[1:]:
    # The demo lives with the simulators beside the package: in a checkout, not in the image.
    from faceitbot_sim.demo import main

    main([a for a in sys.argv[1:] if a != "--demo"])
else:
    from faceitbot.cli import main

    main(["run", *sys.argv[1:]])
