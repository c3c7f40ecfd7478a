// The members' command line: governance tasks (gov:*) and the member register (members).
import "./gov";
import "./members";
import "./consortium";
import "./invoice";
import "./receivables";
import "./trade";
import "./order";
import "./identity";
import "./token";
import "./invoiceLifecycle";
import "./tradeList";
import "./dev";
import "./assets";
import "./actions";
import "./acceptance";
