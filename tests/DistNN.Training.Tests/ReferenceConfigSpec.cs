using System.Reflection;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using DistNN.Training.Actors;
using DistNN.Training.Configuration;
using DistNN.Training.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistNN.Training.Tests;

public class ReferenceConfigSpec
{
    private static readonly Type[] s_settings = typeof(DistNNReference).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<SettingsPathAttribute>() is not null).ToArray();

    private static string Kebab(string name) => Regex.Replace(name, "(?<=[a-z0-9])([A-Z])", "-$1").ToLowerInvariant();

    /// <summary>Each settings property as the reference.conf key it reads.</summary>
    private static IEnumerable<string> PropertyKeys() => s_settings.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => t.GetCustomAttribute<SettingsPathAttribute>()!.Path + "." + Kebab(p.Name)));

    /// <summary>The leaf keys of reference.conf's distnn section, but the compute dispatcher's: that block is Akka's to read.</summary>
    private static IEnumerable<string> ReferenceKeys() => ConfigRead.LeafPaths(DistNNReference.Config)
        .Where(k => k.StartsWith("distnn.", StringComparison.Ordinal) && !k.StartsWith(DistNNDispatchers.Compute + ".", StringComparison.Ordinal));

    [Fact]
    public void Every_key_of_reference_conf_is_read_by_a_settings_class()
    {
        Assert.NotEmpty(ReferenceKeys());
        Assert.Equal([], ReferenceKeys().Except(PropertyKeys()).ToList());
    }

    [Fact]
    public void Every_settings_property_has_a_key_in_reference_conf()
    {
        Assert.Equal(7, s_settings.Length);
        Assert.Equal([], PropertyKeys().Where(k => !DistNNReference.Config.HasPath(k)).ToList());
    }

    [Fact]
    public void Every_settings_class_reads_reference_conf_and_a_missing_key_is_an_error_naming_it()
    {
        foreach (var type in s_settings)
        {
            var from = type.GetMethod("From", [typeof(Config)])!;
            Assert.NotNull(from.Invoke(null, [DistNNReference.Config]));
            var e = Assert.IsType<ConfigurationException>(Assert.Throws<TargetInvocationException>(() => from.Invoke(null, [Config.Empty])).InnerException);
            Assert.Contains(type.GetCustomAttribute<SettingsPathAttribute>()!.Path + ".", e.Message);
        }
    }

    [Fact]
    public void A_host_name_is_taken_literally_not_parsed_as_hocon()
    {
        const string host = "evil\" } akka.loglevel = DEBUG { x = \"";

        var settings = DataPlaneSettings.From(DataPlaneSettings.On(host, 0, null).WithFallback(DistNNReference.Config));

        Assert.Equal((true, host), (settings.Enabled, settings.Hostname));
    }

    [Fact]
    public void The_compute_pool_takes_the_thread_count_a_run_asks_for()
    {
        var config = DistNNDispatchers.WithThreads(5).WithFallback(DistNNReference.Config);

        Assert.Equal(5, config.GetInt(DistNNDispatchers.Compute + ".thread-count"));
        Assert.Equal("Dispatcher", config.GetString(DistNNDispatchers.Compute + ".type"));
    }

    [Fact]
    public async Task A_hosted_actor_system_takes_its_log_level_and_pool_size_from_the_layers_over_reference_conf()
    {
        using var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddAkka("reference-hosting", builder => builder.WithDistNNDispatchers(3)))
            .Build();
        await host.StartAsync();
        try
        {
            var settings = host.Services.GetRequiredService<ActorSystem>().Settings;
            var config = settings.Config;

            Assert.Equal("WARNING", config.GetString("akka.loglevel"));
            Assert.Equal([typeof(OneLineLogger).FullName + ", DistNN.Training"], config.GetStringList("akka.loggers"));
            // What is logged before the loggers start and after they stop goes through the one-line standard-out logger.
            Assert.IsType<OneLineStdoutLogger>(settings.StdoutLogger);
            Assert.Equal(3, config.GetInt(DistNNDispatchers.Compute + ".thread-count"));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
