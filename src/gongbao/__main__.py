from gongbao.cli import main

main()
