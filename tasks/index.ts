// The members' command line: governance tasks (gov:*) and the member register (members).
import "./gov";
import "./members";
import "./consortium";
import "./invoice";
import "./trade";
import "./order";
import "./actions";
