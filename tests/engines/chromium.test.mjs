// The visitor's scenarios (scenarios.mjs) in chromium: README.md ('Driving the page from a script') and tests/README.md say what it needs.
import { engineSuite } from './scenarios.mjs';
import { launchChromium } from './drivers/chromium.mjs';

engineSuite('chromium', launchChromium);
