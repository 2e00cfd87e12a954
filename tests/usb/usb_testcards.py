"""TEST card data for the card-reader tests: a published test PAN, never a real card."""

TEST_PAN = "4761739001010010"
TEST_TRACK1 = f"%B{TEST_PAN}^TEST/CARD^2512101000000000000?"
TEST_TRACK2 = f";{TEST_PAN}=25121010000000000?"
