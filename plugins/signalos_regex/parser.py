from signalos.models import ParseResult


class RegexParser:
    def __init__(self, host, options):
        self.options = options

    def parse(self, message):
        return ParseResult.noise(parser="regex")
