from bot.server.main import main

main()
