// The command line: governance (gov:*), the member register (members), invoices (invoice:*),
// trades (trade:*) and operations (consortium:*).
import "./gov";
import "./members";
import "./invoice";
import "./trade";
