from benchbench.cli.app import app

app(prog_name="bench")
