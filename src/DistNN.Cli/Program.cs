Console.WriteLine("distnn: under construction");
