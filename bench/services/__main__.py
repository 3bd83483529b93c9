from bench.services.run import main

main()
